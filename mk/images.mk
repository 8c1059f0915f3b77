# Image targets: the project's CPU and GPU images, and offline stand-ins for their bases
# (docs/cluster.md, "Images"). Included by the Makefile; mk/cluster.mk uses CPU_IMAGE (kind-load).

# Where images live: kind loads them under this name too; for a real cluster use a
# registry its nodes can pull from (make images images-push IMAGE_REGISTRY=...).
IMAGE_REGISTRY ?= ghcr.io/digitstudy
ifndef IMAGE_TAG
IMAGE_TAG := $(shell scripts/image_tag.sh 2>/dev/null || echo dev)
endif
CPU_IMAGE ?= $(IMAGE_REGISTRY)/digitstudy-cpu:$(IMAGE_TAG)
GPU_IMAGE ?= $(IMAGE_REGISTRY)/digitstudy-gpu:$(IMAGE_TAG)
# The JAX GPU image: the gpu target's training image for a profile with backend: jax
# (pipelines/placement.py picks it by the profile's backend; make image-gpu-jax prints it).
GPU_JAX_IMAGE ?= $(IMAGE_REGISTRY)/digitstudy-gpu-jax:$(IMAGE_TAG)
# components/images.py reads these: the compiled pipeline names exactly these images.
export DIGITSTUDY_IMAGE := $(CPU_IMAGE)
export DIGITSTUDY_GPU_IMAGE := $(GPU_IMAGE)
export DIGITSTUDY_GPU_JAX_IMAGE := $(GPU_JAX_IMAGE)
export DIGITSTUDY_IMAGE_TAG := $(IMAGE_TAG)

# Bases: empty = the Dockerfiles' defaults (official python / TensorFlow GPU images, from a
# registry). Offline: PYTHON_IMAGE=$(BASE_IMAGE) TF_GPU_IMAGE=$(BASE_IMAGE)-gpu after make base-image(-gpu).
PYTHON_IMAGE ?=
TF_GPU_IMAGE ?=
BASE_IMAGE ?= digitstudy-base:bookworm-py3.11
# Host networking: these machines' engines run without a bridge (dockerd --bridge=none).
DOCKER_BUILD_FLAGS ?= --network host
TF_VERSION := $(shell sed -n 's/^tensorflow_cpu==\([^; ]*\).*/\1/p' requirements.lock)
JAX_VERSION := $(shell sed -n 's/^jax==\([^; ]*\).*/\1/p' requirements-dev.lock)

.PHONY: images image-cpu image-gpu image-gpu-jax images-push base-image base-image-gpu

images: image-cpu image-gpu ## build the CPU and GPU images, tagged with the git commit (needs a Docker engine)

image-cpu: ## build only the CPU image (PYTHON_IMAGE=<base>, DOCKER_BUILD_FLAGS=...)
	docker build $(DOCKER_BUILD_FLAGS) $(if $(PYTHON_IMAGE),--build-arg PYTHON_IMAGE=$(PYTHON_IMAGE)) \
	  -f images/Dockerfile.cpu -t $(CPU_IMAGE) .
	@echo "built $(CPU_IMAGE)"

image-gpu: ## build only the GPU image (TF_GPU_IMAGE=<base>, DOCKER_BUILD_FLAGS=...)
	docker build $(DOCKER_BUILD_FLAGS) $(if $(TF_GPU_IMAGE),--build-arg TF_GPU_IMAGE=$(TF_GPU_IMAGE)) \
	  -f images/Dockerfile.gpu -t $(GPU_IMAGE) .
	@echo "built $(GPU_IMAGE)"

image-gpu-jax: ## build the JAX GPU image: the CPU image's layers + jax[cuda12] at the locked version (PYTHON_IMAGE=<base>)
	docker build $(DOCKER_BUILD_FLAGS) $(if $(PYTHON_IMAGE),--build-arg PYTHON_IMAGE=$(PYTHON_IMAGE)) \
	  --build-arg JAX_VERSION=$(JAX_VERSION) --build-arg KERAS_BACKEND=jax \
	  -f images/Dockerfile.cpu -t $(GPU_JAX_IMAGE) .
	@echo "built $(GPU_JAX_IMAGE)"

images-push: ## push both images to IMAGE_REGISTRY (for a real cluster)
	docker push $(CPU_IMAGE)
	docker push $(GPU_IMAGE)

base-image: ## offline python base from Debian's packages (debootstrap; root): $(BASE_IMAGE)
	scripts/base_image.sh $(BASE_IMAGE)

base-image-gpu: ## offline GPU base: $(BASE_IMAGE) + tensorflow[and-cuda] at the locked version
	docker build $(DOCKER_BUILD_FLAGS) --build-arg PYTHON_IMAGE=$(BASE_IMAGE) --build-arg TF_VERSION=$(TF_VERSION) \
	  -f images/Dockerfile.base-gpu -t $(BASE_IMAGE)-gpu .
	@echo "built $(BASE_IMAGE)-gpu"

.PHONY: print-image-tag print-cpu-image
print-image-tag: ## the image tag of this tree (scripts/image_tag.sh)
	@echo $(IMAGE_TAG)

print-cpu-image: ## the CPU image's name and tag
	@echo $(CPU_IMAGE)
