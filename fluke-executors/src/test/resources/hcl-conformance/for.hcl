double  = [for x in [1, 2, 3] : x * 2]
indexed = [for i, x in ["a", "b"] : "${i}:${x}"]
filter  = [for x in [1, 2, 3, 4, 5] : x if x % 2 == 1]
to_map  = {for x in ["a", "b"] : x => upper(x)}
swap    = {for k, v in { one = "1", two = "2" } : v => k}
keys    = [for k, v in { zed = 1, alpha = 2, mid = 3 } : k]
group   = {for s in ["apple", "avocado", "banana"] : substr(s, 0, 1) => s...}
empty   = [for x in [] : x]
nested  = [for row in [[1, 2], [3]] : [for x in row : x + 10]]
cond    = [for x in [1, 2, 3] : x > 1 ? "big" : "small"]
multi = [
  for x in [1, 2] :
  x
]
map_filter = {for k, v in { a = 1, b = 2, c = 3 } : k => v if v != 2}
