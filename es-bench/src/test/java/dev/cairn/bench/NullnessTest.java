package dev.cairn.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/**
 * Every package of Cairn's main code says its nullness once, with JSpecify's {@code @NullMarked}
 * (STYLE), so that NullAway, which the build runs on marked packages only, checks all of it: a new
 * package without the mark would quietly go unchecked. This module's classpath holds every module
 * but the Spring sample, whose package is marked too.
 */
class NullnessTest {

  @Test
  void everyPackageOfCairnsMainCode_isNullMarked() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cairn");
    Set<String> packages = new TreeSet<>();
    Set<String> unmarked = new TreeSet<>();
    for (JavaClass c : classes) {
      packages.add(c.getPackageName());
      if (!c.getPackage().isAnnotatedWith(NullMarked.class)) {
        unmarked.add(c.getPackageName());
      }
    }

    // The check means something only if the modules' packages are all here.
    assertThat(packages).contains(ModuleBoundariesTest.MODULE_ROOTS.toArray(String[]::new));
    assertThat(unmarked).as("packages without @NullMarked").isEmpty();
  }
}
