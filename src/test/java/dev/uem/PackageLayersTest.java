package dev.uem;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packages follow the data's path and never depend upwards, checked on the compiled classes (so a class named with its
 * full package path in the code counts too): utilities (io, text, torch) → data → embed → kernels → model → train and
 * eval → experiment → serve → bench → cli. A package may use its own classes and those of any lower layer, not a neighbour in
 * its own layer.
 */
class PackageLayersTest {
    private static final List<List<String>> LAYERS = List.of(
            List.of("io", "text", "torch"),
            List.of("data"),
            List.of("embed"),
            List.of("kernels"),
            List.of("model"),
            List.of("train", "eval"),
            List.of("experiment"),
            List.of("serve"),
            List.of("bench"),
            List.of("cli"));
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(java.nio.file.Path.of("target", "classes"));
        assertTrue(main.size() > 100, "found only " + main.size() + " classes");
    }

    @Test
    void noPackageDependsUpwards() {
        List<String> violations = new ArrayList<>();
        for (ArchRule rule : rules()) {
            EvaluationResult result = rule.evaluate(main);
            violations.addAll(result.getFailureReport().getDetails());
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void everyPackageHasALayer() {
        List<String> unknown = main.stream()
                .map(c -> c.getPackageName().replaceFirst("^dev\\.uem\\.?", ""))
                .map(p -> p.contains(".") ? p.substring(0, p.indexOf('.')) : p)
                .filter(p -> !p.isEmpty() && LAYERS.stream().noneMatch(l -> l.contains(p)))
                .distinct()
                .toList();
        assertEquals(List.of(), unknown, "packages without a layer in this test: add them");
    }

    @Test
    void theRulesSeeADependencyWrittenAsAFullPath() {
        // Experiment uses the trainer; a rule that put experiment below train would flag it
        JavaClasses experiment = new ClassFileImporter().importClasses(dev.uem.experiment.Experiment.class);
        assertTrue(noClasses()
                .that()
                .resideInAPackage("dev.uem.experiment..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.uem.train..")
                .evaluate(experiment)
                .hasViolation());
        assertTrue(
                rulesFor("model").toString().contains("dev.uem.train.."),
                rulesFor("model").toString());
        assertTrue(rulesFor("cli").isEmpty(), "nothing sits above cli");
    }

    /** One rule per package: none of its classes depends on a package of its own or a higher layer. */
    private static List<ArchRule> rules() {
        List<ArchRule> out = new ArrayList<>();
        for (List<String> layer : LAYERS) for (String p : layer) out.addAll(rulesFor(p));
        return out;
    }

    private static List<ArchRule> rulesFor(String pkg) {
        int rank = -1;
        for (int i = 0; i < LAYERS.size(); i++) if (LAYERS.get(i).contains(pkg)) rank = i;
        List<String> forbidden = new ArrayList<>();
        for (int i = rank; i < LAYERS.size(); i++)
            for (String q : LAYERS.get(i)) if (!q.equals(pkg)) forbidden.add("dev.uem." + q + "..");
        if (forbidden.isEmpty()) return List.of();
        return List.of(noClasses()
                .that()
                .resideInAPackage("dev.uem." + pkg + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden.toArray(String[]::new))
                .because(pkg + " sits below them"));
    }
}
