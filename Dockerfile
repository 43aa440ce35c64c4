# A minimal image: the static (musl) kmsguard binary on an empty base.
#   docker build -t kmsguard .
#   docker run --rm -v "$PWD:/work" kmsguard check plan.json
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kmsguard

FROM scratch
COPY --from=build /src/target/release/kmsguard /kmsguard
COPY --from=build /src/LICENSE /LICENSE
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["/kmsguard"]
