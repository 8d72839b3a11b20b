half       = "${1.5}"
thousand   = "${1e3}"
quarter    = "${10 / 4}"
small      = "${1e-7}"
large      = "${1e20}"
key        = { 1.50 = "a" }
max_long   = 9223372036854775807
sum_big    = 9223372036854775807 + 1
negative   = "${-0.5}"
exact      = 0.5 + 0.25
mixed      = 2 * 1.5
modulo     = -7 % 3
fraction_m = 7.5 % 2
zero       = 0 * -1
