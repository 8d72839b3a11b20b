locals {
  dir   = "/srv/${local.app}"
  app   = "shop"
  ports = [80, 443]
  first = local.ports[0]
}

locals {
  greeting = "hello ${local.app}"
}

task "web" {
  path  = "${local.dir}/bin"
  port  = local.first
  count = length(local.ports)
  map   = { app = local.app }
}
