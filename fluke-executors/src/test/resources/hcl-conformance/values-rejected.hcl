# Every attribute here is an error in both readers (the file itself parses).
add_string   = "a" + 1
out_of_range = [1][5]
no_key       = { a = 1 }.b
not_iterable = [for x in 5 : x]
dup_key      = {for x in ["a", "a"] : x => 1}
null_attr    = null.a
unknown_var  = undefined_variable
unknown_loc  = local.missing
too_many     = upper("a", "b")
not_number   = -"a"
not_bool     = !1
list_interp  = "${[1]}x"
map_interp   = "x${{ a = 1 }}"
null_interp  = "x${null}"
for_null     = [for x in null : x]
cond_type    = "yes" ? 1 : 2
splat_attr   = [1, 2][*].a
unknown_fn   = nosuchfunction(1)
