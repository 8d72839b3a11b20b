# Literals, comments, blocks and labels.
// a line comment
/* a block
   comment */
string  = "text"
escapes = "tab\there \"quoted\" back\\slash \u00e9 \U0001F600 nl\nend"
dollar  = "$${not interpolated} %%{not a directive} $ and % alone"
empty   = ""
int     = 42
neg     = -7
float   = 1.5
exp     = 1e3
expneg  = 25E-2
big     = 9007199254740993
yes     = true
no      = false
nothing = null
ident-with-dash = "ok"

block {
  inner = 1
}

labelled "one" "two" {
  nested {
    deep = "yes"
  }
  value = "v"
}

bare_label plain {
  x = 1
}

empty_block {}

one_line { a = 1 }

heredoc = <<EOT
line one
  indented ${"two"}
EOT

flush = <<-EOT
    four spaces
      six
    ${upper("x")}
    EOT

crlf_free = "no carriage returns here"
