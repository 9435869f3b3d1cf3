// Density heat map and contours, from a single-channel float texture of cell values.
//
// u_mode 0: heat map. The texture holds normalized cell masses m >= 0; t = m / u_max (linear) or
//           t = 1 + log10(m / u_max) / u_decades clamped to [0, 1] (log; log m interpolated
//           between cells in log space, see log_mass), mapped through one of
//           the colour maps below; u_contours > 0 adds that many iso-lines of t, anti-aliased
//           with fwidth so they stay one pixel wide at any zoom.
// u_mode 1: contours only (an overlay, e.g. the flow's log density): the texture holds a log
//           density; t = 1 + (value - u_max) / (u_decades * ln 10), lines drawn in u_line_color.
// Colour maps are piecewise-linear through ten stops of the matplotlib maps (viridis, magma,
// inferno, plasma) and a grey ramp, written out here as data. Colour map 5 is diverging (blue,
// white at t = 0.5, red; ColorBrewer RdBu reversed, nine stops) for signed differences.
#version 330 core
in vec2 v_uv;
out vec4 frag_color;
uniform sampler2D u_texture;
uniform int u_mode;
uniform int u_colormap;   // 0 viridis, 1 magma, 2 inferno, 3 plasma, 4 grey, 5 diverging
uniform int u_log;        // 1: log scale
uniform float u_max;      // largest cell value (mode 0) or largest log density (mode 1)
uniform float u_decades;  // decades shown on the log scale (e.g. 4)
uniform int u_contours;   // number of iso-lines (0: none)
uniform float u_alpha;    // opacity of the heat map
uniform vec4 u_line_color;

const vec3 VIRIDIS[10] = vec3[10](
    vec3(0.267, 0.004, 0.329), vec3(0.282, 0.157, 0.471), vec3(0.243, 0.286, 0.537),
    vec3(0.192, 0.408, 0.557), vec3(0.149, 0.510, 0.557), vec3(0.122, 0.620, 0.537),
    vec3(0.208, 0.718, 0.475), vec3(0.431, 0.808, 0.345), vec3(0.710, 0.871, 0.169),
    vec3(0.992, 0.906, 0.145));
const vec3 MAGMA[10] = vec3[10](
    vec3(0.001, 0.000, 0.014), vec3(0.094, 0.059, 0.239), vec3(0.267, 0.059, 0.463),
    vec3(0.447, 0.122, 0.506), vec3(0.620, 0.184, 0.498), vec3(0.804, 0.251, 0.443),
    vec3(0.945, 0.376, 0.365), vec3(0.992, 0.588, 0.408), vec3(0.996, 0.792, 0.553),
    vec3(0.987, 0.991, 0.750));
const vec3 INFERNO[10] = vec3[10](
    vec3(0.001, 0.000, 0.014), vec3(0.106, 0.047, 0.255), vec3(0.290, 0.047, 0.420),
    vec3(0.471, 0.110, 0.427), vec3(0.647, 0.173, 0.376), vec3(0.812, 0.267, 0.275),
    vec3(0.929, 0.412, 0.145), vec3(0.984, 0.608, 0.024), vec3(0.969, 0.820, 0.239),
    vec3(0.988, 1.000, 0.643));
const vec3 PLASMA[10] = vec3[10](
    vec3(0.051, 0.031, 0.529), vec3(0.275, 0.012, 0.624), vec3(0.447, 0.004, 0.659),
    vec3(0.612, 0.090, 0.620), vec3(0.741, 0.216, 0.525), vec3(0.847, 0.341, 0.420),
    vec3(0.929, 0.475, 0.325), vec3(0.984, 0.624, 0.227), vec3(0.992, 0.792, 0.149),
    vec3(0.941, 0.976, 0.129));

const vec3 DIVERGING[9] = vec3[9](
    vec3(0.020, 0.188, 0.380), vec3(0.129, 0.400, 0.675), vec3(0.263, 0.576, 0.765),
    vec3(0.573, 0.773, 0.871), vec3(0.969, 0.969, 0.969), vec3(0.992, 0.859, 0.780),
    vec3(0.957, 0.647, 0.510), vec3(0.839, 0.376, 0.302), vec3(0.404, 0.000, 0.122));

vec3 ramp(float t) {
  if (u_colormap == 5) {
    float d = clamp(t, 0.0, 1.0) * 8.0;
    int j = int(min(floor(d), 7.0));
    return mix(DIVERGING[j], DIVERGING[j + 1], d - float(j));
  }
  float s = clamp(t, 0.0, 1.0) * 9.0;
  int i = int(min(floor(s), 8.0));
  float f = s - float(i);
  if (u_colormap == 1) return mix(MAGMA[i], MAGMA[i + 1], f);
  if (u_colormap == 2) return mix(INFERNO[i], INFERNO[i + 1], f);
  if (u_colormap == 3) return mix(PLASMA[i], PLASMA[i + 1], f);
  if (u_colormap == 4) return vec3(clamp(t, 0.0, 1.0));
  return mix(VIRIDIS[i], VIRIDIS[i + 1], f);
}

float contour_line(float t, int n) {
  if (n <= 0) return 0.0;
  float s = t * float(n);
  float w = max(fwidth(s), 1e-5);
  float d = abs(fract(s - 0.5) - 0.5) / w;  // distance to the nearest integer, in pixels
  return (t > 0.001 && t < 0.999) ? 1.0 - smoothstep(0.5, 1.5, d) : 0.0;
}

// log(m / u_max) at uv, interpolated bilinearly between the four nearest cells in log space.
// Interpolating the masses themselves and taking the log afterwards lets the larger cell dominate
// across a steep tail, which shows the cell grid as a staircase in the colours and contours.
float log_mass(vec2 uv) {
  ivec2 size = textureSize(u_texture, 0);
  vec2 p = uv * vec2(size) - 0.5;
  vec2 f = fract(p);
  ivec2 i0 = clamp(ivec2(floor(p)), ivec2(0), size - 1);
  ivec2 i1 = clamp(ivec2(floor(p)) + 1, ivec2(0), size - 1);
  float scale = 1.0 / max(u_max, 1e-30);
  float a = log(max(texelFetch(u_texture, ivec2(i0.x, i0.y), 0).r * scale, 1e-30));
  float b = log(max(texelFetch(u_texture, ivec2(i1.x, i0.y), 0).r * scale, 1e-30));
  float c = log(max(texelFetch(u_texture, ivec2(i0.x, i1.y), 0).r * scale, 1e-30));
  float d = log(max(texelFetch(u_texture, ivec2(i1.x, i1.y), 0).r * scale, 1e-30));
  return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

void main() {
  float value = texture(u_texture, v_uv).r;
  if (u_mode == 1) {
    float t = 1.0 + (value - u_max) / (u_decades * 2.302585093);
    float line = contour_line(clamp(t, 0.0, 1.0), u_contours > 0 ? u_contours : 6);
    if (line <= 0.0) discard;
    frag_color = vec4(u_line_color.rgb, u_line_color.a * line);
    return;
  }
  float m = max(value, 0.0) / max(u_max, 1e-30);
  float t = u_log == 1 ? clamp(1.0 + log_mass(v_uv) / (u_decades * 2.302585093), 0.0, 1.0)
                       : clamp(m, 0.0, 1.0);
  vec3 c = ramp(t);
  float line = contour_line(t, u_contours);
  c = mix(c, vec3(1.0), 0.55 * line);
  frag_color = vec4(c, u_alpha);
}
