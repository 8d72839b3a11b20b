ünïcödé = "identifiers may use letters of any script"
a-b_c   = 1
strip_start = "${~ "x"}   y"
strip_end   = "x   ${"y" ~}"
heredoc_interp = <<EOT
value: ${[
  1,
  2
][1]}
EOT
flush_blank = <<-EOT
    a

    b
    EOT
tabs = "a\tb"
keyword_keys = { if = 1, in = 2, endif = 3 }
nested_quotes = "${"${"${"deep"}"}"}"
for_in_template = "${join(",", [for x in [1, 2] : tostring(x)])}"
