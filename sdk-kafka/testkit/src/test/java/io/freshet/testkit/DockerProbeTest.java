package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.testkit.internal.DockerProbe;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The quick pre-check: Testcontainers is asked only where it could find a Docker endpoint. */
class DockerProbeTest {
    private static final Path HOME = Path.of("/home/u");

    private static List<String> candidates(Map<String, String> env, Set<Path> files) {
        return DockerProbe.endpointCandidates(env, HOME, false, files::contains, List.of(Path.of("/run/user/1000")),
            List.of(Path.of("/usr/bin")));
    }

    @Test
    void aMachineWithoutAnyEndpointHasNoCandidate() {
        assertThat(candidates(Map.of(), Set.of())).isEmpty();
        assertThat(candidates(Map.of("DOCKER_HOST", " "), Set.of())).isEmpty();
    }

    @Test
    void environmentVariablesAreCandidates() {
        assertThat(candidates(Map.of("DOCKER_HOST", "tcp://h:2375"), Set.of())).containsExactly("DOCKER_HOST");
        assertThat(candidates(Map.of("TESTCONTAINERS_HOST_OVERRIDE", "h"), Set.of()))
            .containsExactly("TESTCONTAINERS_HOST_OVERRIDE");
    }

    @Test
    void theSocketsAndFilesTestcontainersLooksForAreCandidates() {
        for (Path p : new Path[] {Path.of("/var/run/docker.sock"), HOME.resolve(".testcontainers.properties"),
            HOME.resolve(".docker/run/docker.sock"), HOME.resolve(".docker/desktop/docker.sock"),
            Path.of("/run/user/1000/docker.sock"), Path.of("/usr/bin/docker-machine")}) {
            assertThat(candidates(Map.of(), Set.of(p))).as(p.toString()).containsExactly(p.toString());
        }
        assertThat(candidates(Map.of("XDG_RUNTIME_DIR", "/x"), Set.of(Path.of("/x/docker.sock"))))
            .containsExactly("/x/docker.sock");
    }

    @Test
    void windowsAlwaysAsksTestcontainers() {
        assertThat(DockerProbe.endpointCandidates(Map.of(), HOME, true, p -> false, List.of(), List.of()))
            .isNotEmpty();
    }
}
