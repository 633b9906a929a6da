module github.com/jwtgate/jwtgate/policyyaml

go 1.27

require (
	github.com/jwtgate/jwtgate v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.6
)

replace github.com/jwtgate/jwtgate => ../
