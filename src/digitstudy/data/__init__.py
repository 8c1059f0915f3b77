"""Dataset loaders (FSDD, MNIST, ReducedMNIST) and the cached, checksummed downloader."""
