sum        = 1 + 2 * 3 - 4 / 2
mod        = 17 % 5
paren      = (1 + 2) * 3
divide     = 10 / 4
whole      = 10 / 2
compare    = 1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3
equal      = 1 == 1.0
notequal   = "a" != "b"
logic      = true || false && false
not        = !false
negate     = -(2 - 5)
double_neg = - -3
cond       = 1 > 2 ? "a" : "b"
nested     = true ? false ? 1 : 2 : 3
list_eq    = [1, 2] == [1, 2]
map_eq     = { a = 1 } == { a = 1 }
multiline = (
  1 +
  2
)
precedence = !true == false
chain      = 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1
