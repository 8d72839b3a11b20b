# Demo manifests: `fluke dev` serves these from a local Git repo to an agent on this host that carries
# the labels role = "demo", env = "dev". Everything they touch lives under /tmp/fluke-demo.
# Break something by hand (rm /tmp/fluke-demo/motd) and watch the next cycle put it back.

locals {
  demo_root = "/tmp/fluke-demo"
}

task "demo_motd" {
  description = "Keeps a message-of-the-day file in place"
  selector { match_labels = { role = "demo" } }

  shell "motd" {
    check   = "grep -qx 'managed by fluke' ${local.demo_root}/motd"
    command = "mkdir -p ${local.demo_root} && echo 'managed by fluke' > ${local.demo_root}/motd"
  }
}

task "demo_app" {
  description = "Deploys the demo app with mise: tasks live in the app's own .mise.toml"
  selector { match_labels = { role = "demo", env = "dev" } }

  shell "layout" {
    check   = "test -d ${local.demo_root}/releases"
    command = "mkdir -p ${local.demo_root}/releases"
  }

  mise "deploy" {
    working_dir = "${local.demo_root}/app"
    check_task  = "check"
    apply_task  = "apply"
    git {
      url    = "file://${local.demo_root}/demo-app.git"
      branch = "main"
    }
  }

  shell "smoke" {
    check       = "test \"$(cat releases/current)\" = \"$(cat app/VERSION)\""
    command     = "echo 'deployed version:' && cat releases/current"
    working_dir = local.demo_root
    on_failure  = "continue"
  }
}

task "demo_review" {
  description = "A change a human should approve: drift is reported, applied only by a manual reconcile"
  drift { policy = "alert_only" }
  selector { match_labels = { role = "demo" } }

  shell "banner" {
    check   = "test -f ${local.demo_root}/approved-banner"
    command = "date -u +'approved at %FT%TZ' > ${local.demo_root}/approved-banner"
  }
}
