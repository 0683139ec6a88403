package com.hushryd.app;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of STYLE.md, checked on the compiled classes: the capabilities (top-level packages under
 * {@code com.hushryd}) form no cycle, the leaf package depends on no other, and no capability reaches up into the
 * composition root or the ops endpoints.
 */
class LayeringTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("com.hushryd");
    }

    @Test
    void capabilitiesFormNoCycle() {
        slices().matching("com.hushryd.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void noPackageFormsACycleWithItsSubPackages() {
        slices().matching("com.hushryd.(**)").should().beFreeOfCycles()
                .because("an implementation package (location.redis, uploads.s3) depends on its capability's "
                        + "package, never the other way round: the composition root picks the implementation")
                .check(classes);
    }

    @Test
    void theLeafPackageNeedsNoOther() {
        classes().that().resideInAPackage("com.hushryd.common..").should().onlyDependOnClassesThat()
                .resideInAnyPackage("com.hushryd.common..", "java..", "com.fasterxml.jackson..",
                        "io.github.resilience4j..", "io.lettuce.core..", "org.slf4j..", "ch.qos.logback..")
                .because("JSON, errors (and which failures of the drivers map to which), validation and logging set-up are the leaf every capability may use")
                .check(classes);
    }

    @Test
    void onlyTheCompositionRootAndOpsSeeEveryCapability() {
        noClasses().that().resideOutsideOfPackages("com.hushryd.app..", "com.hushryd.ops..")
                .should().dependOnClassesThat().resideInAnyPackage("com.hushryd.app..", "com.hushryd.ops..")
                .check(classes);
    }

    @Test
    void theServerCarriesNoLoadGenerator() {
        noClasses().should().resideInAnyPackage("com.hushryd.sim..", "com.hushryd.bench..")
                .because("the city simulator and the load clients live in the bench module (decision 0081)")
                .check(classes);
    }

    @Test
    void featuresSpeakTheTypedRoomAndEventApiNotSocketIo() {
        noClasses().that().resideInAnyPackage("com.hushryd.chat..", "com.hushryd.sos..", "com.hushryd.safety..",
                        "com.hushryd.notify..", "com.hushryd.share..", "com.hushryd.trips..", "com.hushryd.users..",
                        "com.hushryd.uploads..", "com.hushryd.jobs..", "com.hushryd.location..")
                .should().dependOnClassesThat().resideInAnyPackage("com.hushryd.realtime.socketio..",
                        "com.hushryd.realtime.engineio..")
                .because("features name rooms with rooms.Room, emit through rooms.RoomEvents and handle events "
                        + "through realtime.SocketEvents")
                .check(classes);
    }

    @Test
    void aPortsPackageNeverNeedsItsBackends() {
        noClasses().that().resideInAPackage("com.hushryd.location")
                .should().dependOnClassesThat().resideInAnyPackage("com.hushryd.location.*..")
                .because("backends depend on their port's package, and the composition root picks them")
                .check(classes);
        noClasses().that().resideInAPackage("com.hushryd.uploads")
                .should().dependOnClassesThat().resideInAnyPackage("com.hushryd.uploads.*..")
                .because("backends depend on their port's package, and the composition root picks them")
                .check(classes);
    }
}
