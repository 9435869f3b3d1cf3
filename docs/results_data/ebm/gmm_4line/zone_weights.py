# Zone (mode) weights of the gmm_4line EBM runs over training: python3 docs/results_data/ebm/gmm_4line/zone_weights.py
import csv,sys,collections
for lab in ['ULA','flowMC']:
    f=f'docs/results_data/ebm/gmm_4line/metrics_{lab}.csv'
    d=collections.defaultdict(dict)
    for r in csv.DictReader(open(f)):
        if r['metric'].startswith('mode_weight_') or r['metric'] in ('mode_tv','nll_test','nll_true','kl_true_model'):
            d[int(r['iteration'])][r['metric']]=float(r['value'])
    its=sorted(d)
    print(lab, len(its), 'passes')
    for it in its[::max(1,len(its)//8)]+its[-1:]:
        x=d[it]; print(' ',it, ' '.join(f"{x.get(f'mode_weight_{k}',float('nan')):.3f}" for k in range(1,5)), 'tv %.3f nll %.3f/%.3f kl %.3f'%(x.get('mode_tv',0),x.get('nll_test',0),x.get('nll_true',0),x.get('kl_true_model',0)))
