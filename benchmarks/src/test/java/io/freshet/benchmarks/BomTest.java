package io.freshet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * freshet-bom has no parent (an imported BOM must not carry the parent's third-party pins), so nothing but this test
 * keeps it in step with the reactor: same version, and exactly the modules a user depends on.
 */
class BomTest {
    /** Reactor modules that are applications, not libraries: never published for users to depend on. */
    private static final Set<String> NOT_PUBLISHED = Set.of("freshet-benchmarks", "freshet-examples", "freshet-bom",
        "freshet-kafka-brokers");
    /** The test class paths of other Kafka releases' brokers (sdk-kafka/testkit/brokers/kafka-*): never deployed. */
    private static final String BROKER_CLASS_PATH_PREFIX = "freshet-kafka-broker-";

    private final Path root = Path.of(System.getProperty("freshet.rootDir"));

    @Test
    void bomPinsEveryPublishedModuleAtTheReactorVersion() throws Exception {
        Document bom = parse(root.resolve("sdk-core/bom/pom.xml"));
        assertThat(childText(bom.getDocumentElement(), "version")).isEqualTo(System.getProperty("freshet.version"));

        Set<String> managed = new TreeSet<>();
        NodeList dependencies = bom.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            assertThat(childText(dependency, "groupId")).isEqualTo("io.freshet");
            assertThat(childText(dependency, "version")).isEqualTo("${project.version}");
            managed.add(childText(dependency, "artifactId"));
        }
        assertThat(managed).isEqualTo(publishedModules());
    }

    private Set<String> publishedModules() throws Exception {
        Set<String> published = new TreeSet<>();
        for (String module : modules(root)) {
            String artifactId = childText(parse(root.resolve(module).resolve("pom.xml")).getDocumentElement(),
                "artifactId");
            if (!NOT_PUBLISHED.contains(artifactId) && !artifactId.startsWith(BROKER_CLASS_PATH_PREFIX)) {
                published.add(artifactId);
            }
        }
        assertThat(published).as("published modules").contains("freshet-core", "freshet-store", "freshet-kafka");
        return published;
    }

    private static List<String> modules(Path dir) throws Exception {
        List<String> modules = new ArrayList<>();
        NodeList nodes = parse(dir.resolve("pom.xml")).getElementsByTagName("module");
        for (int i = 0; i < nodes.getLength(); i++) {
            modules.add(nodes.item(i).getTextContent().trim());
        }
        return modules;
    }

    private static Document parse(Path pom) throws Exception {
        assertThat(pom).exists();
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (var in = Files.newInputStream(pom)) {
            return factory.newDocumentBuilder().parse(in);
        }
    }

    /** The text of {@code parent}'s direct child {@code name} (not a nested one, e.g. not parent/version). */
    private static String childText(Element parent, String name) {
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element && child.getNodeName().equals(name)) {
                return child.getTextContent().trim();
            }
        }
        throw new AssertionError("no <" + name + "> directly under <" + parent.getNodeName() + ">");
    }
}
