package dev.courier.whatsapp.message;

import static dev.courier.whatsapp.message.Validation.error;
import static dev.courier.whatsapp.message.Validation.json;
import static dev.courier.whatsapp.message.Validation.strict;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocationContentTest {
  @Test
  void locationWithNameAndAddress() {
    var result = strict("location", "{'latitude': -23.5614, 'longitude': -46.6559, 'name': 'MASP', 'address': 'Av. Paulista, 1578'}");
    assertThat(result.errors()).isEmpty();
    assertThat(result.content())
        .isEqualTo(json("{'latitude': -23.5614, 'longitude': -46.6559, 'name': 'MASP', 'address': 'Av. Paulista, 1578'}"));
  }

  @Test
  void integerAndQuotedCoordinatesBecomeNumbers() {
    assertThat(strict("location", "{'latitude': '-23.5', 'longitude': 10}").content())
        .isEqualTo(json("{'latitude': -23.5, 'longitude': 10.0}"));
  }

  @Test
  void bothCoordinatesAreRequired() {
    assertThat(strict("location", "{'name': 'somewhere'}").errors())
        .containsExactly(error("location.latitude", "is required"), error("location.longitude", "is required"));
  }

  @Test
  void extremeCoordinatesAreValid() {
    assertThat(strict("location", "{'latitude': 90, 'longitude': -180}").errors()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"90.0001", "-91", "'north'", "true", "'NaN'"})
  void latitudeOutOfRangeOrNotANumberIsRefused(String latitude) {
    assertThat(strict("location", "{'latitude': " + latitude + ", 'longitude': 0}").errors())
        .containsExactly(error("location.latitude", "must be a number from -90 to 90"));
  }

  @Test
  void longitudeOutOfRangeIsRefused() {
    assertThat(strict("location", "{'latitude': 0, 'longitude': 180.5}").errors())
        .containsExactly(error("location.longitude", "must be a number from -180 to 180"));
  }

  @Test
  void nameMustBeAString() {
    assertThat(strict("location", "{'latitude': 0, 'longitude': 0, 'name': 7}").errors())
        .containsExactly(error("location.name", "must be a string"));
  }
}
