# HCL converts between strings, numbers and bools where it can; Fluke does not (docs/manifest.md,
# "Typing is strict"): each attribute here has a value in HCL and is an error in Fluke.
string_plus_number = "1" + 1
string_condition   = "true" ? "a" : "b"
number_and_bool    = 1 == true
for_string_cond    = [for x in [1] : x if "true"]
