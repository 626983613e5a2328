module asyncdrive

go 1.26
