list     = [1, "two", true, null]
trailing = ["a", "b",]
lines = [
  "x",
  "y"
]
empty_list = []
map = {
  a = 1
  "b-c" = 2
  d: 3
  (upper("e")) = 4
  5 = "five"
}
commas    = { a = 1, b = 2 }
empty_map = {}
index     = [10, 20, 30][1]
key       = { a = { b = "deep" } }.a.b
string_ix = { a = 1 }["a"]
legacy    = [[1, 2], [3]].0
nested    = [[1, [2, [3]]]]
bool_key  = { true = "t" }
