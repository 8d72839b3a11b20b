locals {
  servers = [
    { name = "a", ip = "10.0.0.1", tags = ["x", "y"] },
    { name = "b", ip = "10.0.0.2", tags = ["z"] },
  ]
  one = { name = "solo", ip = "10.0.0.9", tags = [] }
}

names     = local.servers[*].name
ips       = local.servers.*.ip
first_tag = local.servers[*].tags[0]
legacy_ix = local.servers.*.tags
upgraded  = local.one[*].name
none      = null[*]
nested    = [[1, 2], [3, 4]][*][1]
after     = local.servers.*.name[1]
