package dev.courier.queue.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that talks to PostgreSQL. Such classes run against the embedded server and,
 * when {@code COURIER_TEST_DATABASE_URL} is set, a second time against that external server.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("database")
public @interface DatabaseTest {}
