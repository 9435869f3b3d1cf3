// Heat-map quad: positions arrive in ImGui screen pixels and are mapped to clip space with the
// same orthographic projection the ImGui backend uses; uv runs over the grid reference's box.
#version 330 core
layout(location = 0) in vec2 a_position;
layout(location = 1) in vec2 a_uv;
uniform vec2 u_display_pos;   // ImGui DisplayPos
uniform vec2 u_display_size;  // ImGui DisplaySize
out vec2 v_uv;
void main() {
  vec2 p = (a_position - u_display_pos) / u_display_size;
  gl_Position = vec4(2.0 * p.x - 1.0, 1.0 - 2.0 * p.y, 0.0, 1.0);
  v_uv = a_uv;
}
