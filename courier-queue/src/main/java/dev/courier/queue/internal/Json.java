package dev.courier.queue.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The engine's JSON mapper: ISO-8601 times, lenient about unknown properties on read. */
public final class Json {
  private Json() {}

  public static ObjectMapper newMapper() {
    // Jobs run on virtual threads, each new: Jackson's default thread-local buffer pool would give
    // every job fresh buffers (and a soft reference), so the engine's mapper shares one pool,
    // bounded so that a burst of parallel work does not keep its peak of buffers for ever.
    JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build();
    return new ObjectMapper(factory)
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public static String quote(ObjectMapper mapper, String text) {
    try {
      return mapper.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
