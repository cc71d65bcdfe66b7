package dev.courier.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.courier.whatsapp.validation.FieldError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudApiErrorTest {
  @Test
  void validationProblemsBecomeCode100WithDetailsNamingEachField() {
    CloudApiError e = CloudApiError.from(Problem.validation(List.of(
        new FieldError("to", "not a valid phone number"), new FieldError("", "the body must be a JSON object"))), "POST", true);
    assertThat(e).isEqualTo(new CloudApiError(400, "(#100) Invalid parameter", "OAuthException", 100, null,
        "to: not a valid phone number; the body must be a JSON object"));
  }

  @Test
  void anUnavailableDatabaseIsMetasTemporaryCode2AndAFailureIsCode1() {
    assertThat(CloudApiError.from(Problem.unavailable("the database is unavailable"), "POST", true))
        .extracting(CloudApiError::status, CloudApiError::code)
        .containsExactly(503, 2);
    assertThat(CloudApiError.from(Problem.internal(), "POST", true))
        .extracting(CloudApiError::status, CloudApiError::code, CloudApiError::message)
        .containsExactly(500, 1, "An unknown error occurred");
  }

  @Test
  void unknownRoutesAreMetasUnsupportedRequestAnswer() {
    CloudApiError e = CloudApiError.from(Problem.notFound("no route DELETE /graph/x"), "DELETE", true);
    assertThat(e).extracting(CloudApiError::status, CloudApiError::code, CloudApiError::subcode, CloudApiError::type)
        .containsExactly(400, 100, 33, "GraphMethodException");
    assertThat(e.message()).isEqualTo("Unsupported delete request.");
  }

  @Test
  void theBodyIsMetasEnvelope() {
    Map<String, Object> body = CloudApiError.unknownObject("POST", "123").body("Atrace");
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) body.get("error");
    assertThat(error.keySet()).containsExactly("message", "type", "code", "error_subcode", "error_data", "fbtrace_id");
    assertThat(error.get("error_data")).isEqualTo(Map.of(
        "messaging_product", "whatsapp",
        "details", "no instance of this organization has the phone number id or instance id 123"));
    assertThat(CloudApiError.invalidParameter("to: x").body("A1")).extractingByKey("error")
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).doesNotContainKey("error_subcode");
  }

  @Test
  void traceIdsAreFreshAndShapedLikeMetas() {
    String a = CloudApiError.newTraceId();
    assertThat(a).startsWith("A").hasSize(23).matches("[A-Za-z0-9_-]+");
    assertThat(CloudApiError.newTraceId()).isNotEqualTo(a);
  }
}
