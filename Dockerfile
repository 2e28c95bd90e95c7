# openbell in a container: a static binary on an empty image, run as a
# non-root user, with its SQLite data directory on a volume.
#
#   docker build -t openbell .
#   docker run -d --name openbell -p 8080:8080 -v openbell-data:/data openbell
#   docker logs openbell            # the banner, with the first start's token
#
# Flags go after the image name (docker run ... openbell serve --seed
# /seed.yaml) or in OPENBELL_* variables (-e OPENBELL_DATABASE_URL=...).
# docs/OPERATIONS.md, "Containers", says more.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# The modules first, so that a change of the source reuses their layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: the SQLite engine is pure Go, so the binary is static and
# runs on an empty image.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/openbell ./cmd/openbell \
 && /out/openbell --version
# The files of the final image: the binary, a user and group (10001) for it,
# its data directory, a /tmp, and the CA certificates that https webhook
# receivers need.
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/data \
 && cp /out/openbell /rootfs/openbell \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && echo 'openbell:x:10001:10001:openbell:/data:/sbin/nologin' > /rootfs/etc/passwd \
 && echo 'openbell:x:10001:' > /rootfs/etc/group \
 && chmod 1777 /rootfs/tmp \
 && chmod 0700 /rootfs/data

FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build --chown=10001:10001 /rootfs/data /data
USER 10001:10001
# serve listens on 127.0.0.1 by default, which no one outside the container
# reaches: the image listens on every interface of the container.
ENV OPENBELL_ADDR=0.0.0.0:8080 \
    OPENBELL_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
# GET /healthz answers 503 while the server starts (a large --seed loads) and
# 200 once it serves; `openbell healthcheck` asks it on OPENBELL_ADDR's port.
HEALTHCHECK --interval=10s --timeout=5s --start-period=2m --retries=3 CMD ["/openbell", "healthcheck"]
ENTRYPOINT ["/openbell"]
CMD ["serve"]
