a = "%{ fi true }x"
