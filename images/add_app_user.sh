#!/bin/sh
# The images' non-root user: uid/gid 1000 named app, home /home/app. A base that already has
# uid or gid 1000 (Ubuntu 24.04's `ubuntu`) gets that entry renamed instead of a clash.
# The KFP launcher stages artifacts under /gcs, /minio, /s3 and /oci (kubeflow/pipelines#5673),
# so those exist and belong to that user.
set -eu
group=$(getent group 1000 | cut -d: -f1)
if [ -z "$group" ]; then
  groupadd --gid 1000 app
elif [ "$group" != app ]; then
  groupmod --new-name app "$group"
fi
user=$(getent passwd 1000 | cut -d: -f1)
if [ -z "$user" ]; then
  useradd --uid 1000 --gid app --create-home --shell /bin/bash app
elif [ "$user" != app ]; then
  usermod --login app --gid app --home /home/app --move-home "$user"
fi
mkdir -p /home/app /gcs /minio /s3 /oci
chown app:app /home/app /gcs /minio /s3 /oci
