// samplescope-run --sweep: runs the cells of a sweep file (core/io/sweep.h) on this machine,
// several at once, each into its own folder, and resumes where an earlier run stopped
// (docs/cli.md).
//
//   samplescope-run --sweep FILE --out DIR [--jobs N] [--threads N] [--shard I/N]
//                   [--budget-iterations N] [--list]
//
// DIR/sweep.json      a copy of FILE (a later run into DIR must use the same sweep)
// DIR/<cell id>/      scenario.json (the cell, an ordinary scenario: rerun it alone with
//                     `samplescope-run DIR/<id>/scenario.json --out DIR/<id>`), cell.json (id,
//                     index, axis assignments), run.log (the cell's stderr), and the runner's usual
//                     outputs metrics.csv, samples_<label>.csv, summary.json; failed.json if the
//                     cell failed.
//
// Each cell runs as a child process of this program in its single-scenario mode — the very code
// path of `samplescope-run SCENARIO --out DIR` — so a crashing or diverging cell cannot take the
// others down and every cell's files are exactly what a lone run writes. --jobs cells run at once
// (default: the number of cores), each with --threads inner threads (default 1 when several cells
// run at once, else the runner's own default, cores − 1).
//
// Finished cells (summary.json present and not "interrupted") are skipped, so rerunning the same
// command resumes an interrupted sweep; a cell whose folder holds a different scenario.json with a
// finished summary is refused (the sweep changed: use another DIR). SIGINT/SIGTERM stop launching,
// pass the signal to the running cells (which write their state reached, marked interrupted, and
// are rerun next time) and exit with 130. --shard I/N runs only the cells with index mod N == I
// (0 <= I < N), for SLURM job arrays and GNU parallel. Progress (cells done / total, running,
// elapsed, ETA) goes to stderr: in place on a terminal, a line every 5 s otherwise.
//
// Exit status: 0 every selected cell finished; 1 some cell failed (listed) or internal error;
// 2 bad input (sweep file, options, DIR); 130 interrupted.
#pragma once

namespace ss::runner {

/// True when the command line asks for a sweep (an argument "--sweep" or "--sweep=…").
bool is_sweep_command(int argc, char** argv);

/// The sweep mode's main(): parses its options, runs the cells, returns the exit status.
int sweep_main(int argc, char** argv);

}  // namespace ss::runner
