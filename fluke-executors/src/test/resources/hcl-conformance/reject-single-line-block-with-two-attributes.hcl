git { url = "x"  branch = "main" }
