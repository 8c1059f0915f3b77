// The node's pod sandbox ("pause") program: the standard library only.
module digitstudy/localkfp/node/pause

go 1.24.0
