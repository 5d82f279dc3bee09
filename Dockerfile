# syntax=docker/dockerfile:1
# The Inferbus image, built from this checkout: one jar, every role.
#   docker build -t inferbus .
#   docker run --rm inferbus node --help
# docker-compose.yml runs it as a cluster (README.md, "More than one node").

# The build ./inferbus runs when the jar is missing, tests skipped, for the cli module and the
# modules it needs. exec.skip: the operator CLI's class-data-sharing archive is not built (it is
# valid only for the JDK that wrote it, and this image runs another).
FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -ntp -Dmaven.test.skip=true -Dexec.skip=true -pl cli -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 inferbus \
 && useradd --system --uid 10001 --gid inferbus --home-dir /data --no-create-home --shell /usr/sbin/nologin inferbus \
 && install -d -o inferbus -g inferbus -m 700 /data
# The ./inferbus launcher with the jar where it looks for it (cli/target beside it): containers start
# nodes exactly as ./inferbus does (the JVM flags Hazelcast wants on JDK 17, umask 077,
# INFERBUS_JAVA_OPTS), and the operator CLI runs in them too (docker compose exec control inferbus ...).
COPY --from=build /src/inferbus /opt/inferbus/inferbus
COPY --from=build /src/cli/target/inferbus.jar /opt/inferbus/cli/target/inferbus.jar
# The example endpoint's files, to register it in a cluster (README.md). Not under /opt/inferbus:
# ./inferbus reads files there as sources, and one newer than the jar as a reason to rebuild.
COPY --from=build /src/examples/credit-scoring /usr/share/inferbus/examples/credit-scoring
ENV PATH=/opt/inferbus:$PATH INFERBUS_NO_BUILD=1 INFERBUS_DATA_DIR=/data
USER inferbus
WORKDIR /data
# gateway (HTTPS), management API (HTTPS), health and metrics (HTTP)
EXPOSE 8443 8444 9400
ENTRYPOINT ["/opt/inferbus/inferbus"]
CMD ["--help"]
