# makechat in a container: one static binary on an empty base image.
#
#   docker build -t makechat .
#   docker run -d --name makechat -p 8080:8080 -v makechat-data:/data -v makechat-backups:/backups makechat
#   docker exec makechat makechat user create -u admin -p PASSWORD -e EMAIL -admin
#
# It replaces the original web (nginx) and backend containers: the
# binary serves the web app and the API itself, and with MAKECHAT_DOMAIN
# set it answers on 80/443 with automatic certificates. The original's
# commands work unchanged: "docker exec makechat backup" and
# "docker exec makechat maintenance on|off" (the image carries those
# names as links to the binary).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# /out is the image's files: rootfs/ as it is (root's, with /tmp 1777;
# /tmp is inside what is copied because buildah, podman's builder, keeps
# neither the source's mode nor --chmod on a COPY's destination
# directory), data/ and backups/ for the user of the image.
# packaging/container/Dockerfile takes the same layout from a prebuilt
# binary, without a Go toolchain or a registry.
RUN mkdir -p /out/rootfs/usr/local/bin /out/rootfs/tmp /out/data /out/backups \
 && chmod 1777 /out/rootfs/tmp \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/rootfs/usr/local/bin/makechat . \
 && ln -s makechat /out/rootfs/usr/local/bin/backup \
 && ln -s makechat /out/rootfs/usr/local/bin/maintenance

# Everything from here down is also packaging/container/Dockerfile's
# (without "--from=build" and "/out/"); scripts/container-check compares.
FROM scratch
COPY --from=build /out/rootfs/ /
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/backups /backups
ENV PATH=/usr/local/bin \
    HOME=/data \
    MAKECHAT_DATA_DIR=/data \
    MAKECHAT_BACKUP_DIR=/backups \
    MAKECHAT_LISTEN=:8080 \
    MAKECHAT_LOG_FORMAT=json
# A non-root user; Docker lets containers bind ports below 1024 anyway
# (net.ipv4.ip_unprivileged_port_start is 0 in a container's namespace).
USER 65532:65532
VOLUME ["/data", "/backups"]
EXPOSE 8080 80 443
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["makechat", "health"]
ENTRYPOINT ["makechat"]
CMD ["serve"]
