package dev.cairn.bench;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Keeps every module's {@code internal} packages internal: no class outside a module's package
 * root may depend on anything under that root's {@code ..internal..}. Sibling modules go through
 * the documented {@code spi} packages instead. This module depends on every library module, so
 * its classpath sees all of them.
 */
class ModuleBoundariesTest {

  /** The package root of each library module; add one line per new module. */
  static final List<String> MODULE_ROOTS =
      List.of(
          "dev.cairn.api",
          "dev.cairn.store.jdbc",
          "dev.cairn.bus.kafka",
          "dev.cairn.projections",
          "dev.cairn.testkit",
          "dev.cairn.spring",
          "dev.cairn.workflows",
          "dev.cairn.admin",
          "dev.cairn.cli");

  private static JavaClasses classes;

  @BeforeAll
  static void importCairn() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cairn");
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("MODULE_ROOTS")
  void noClassOutsideAModule_dependsOnItsInternalPackages(String root) {
    // A root with no classes would make the rule pass without checking anything.
    assertThat(classes.that(resideInAPackage(root + "..")))
        .as("classes under %s on the classpath", root)
        .isNotEmpty();
    noClasses()
        .that()
        .resideOutsideOfPackage(root + "..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root + "..internal..")
        .because(root + "'s internal packages are its own; other modules use its API or spi")
        .check(classes);
  }
}
