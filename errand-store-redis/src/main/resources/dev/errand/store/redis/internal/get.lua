-- The tasks ARGV names, false for an unknown id.
local out = {}
for i, id in ipairs(ARGV) do
  local t = load(id)
  out[i] = t and pack(t) or false
end
return out
