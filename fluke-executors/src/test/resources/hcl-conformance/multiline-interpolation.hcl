# HCL lets an interpolation in a quoted string span lines; Fluke ends a quoted string, and what is
# in it, on its line (a forgotten '}' or '"' is then one error, not a cascade): use a heredoc.
multi_interp = "${
  upper("a")
}"
