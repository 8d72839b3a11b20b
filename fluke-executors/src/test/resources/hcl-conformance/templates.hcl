interp     = "a ${1 + 1} b"
only       = "${"just this"}"
number     = "${42}"
bool       = "${true}"
if_else    = "%{ if 1 < 2 }yes%{ else }no%{ endif }"
if_only    = "[%{ if false }hidden%{ endif }]"
for_loop   = "%{ for x in ["a", "b", "c"] }${x},%{ endfor }"
for_index  = "%{ for i, x in ["a", "b"] }${i}=${x} %{ endfor }"
strip      = "a   ${~ "b" ~}   c"
strip_dir  = "x   %{~ if true ~}   y   %{~ endif ~}   z"
nested_dir = "%{ for x in [1, 2] }%{ if x == 2 }two%{ else }one%{ endif }-%{ endfor }"
nfc        = "e\u0301"
nfc_join   = "${"e"}${"\u0301"}"
nfc_key    = { "e\u0301" = "composed" }
heredoc_for = <<EOT
%{ for ip in ["10.0.0.1", "10.0.0.2"] ~}
server ${ip}
%{ endfor ~}
done
EOT
heredoc_if = <<EOT
start
  %{~ if true ~}
  middle
  %{~ endif ~}
end
EOT
inner_quotes = "outer ${"inner ${"innermost"}"} end"
