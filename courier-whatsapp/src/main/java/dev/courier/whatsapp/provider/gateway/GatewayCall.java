package dev.courier.whatsapp.provider.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One request to a gateway: method, path under the base URL, JSON body. */
record GatewayCall(String method, String path, ObjectNode body) {
  static GatewayCall post(String path, ObjectNode body) {
    return new GatewayCall("POST", path, body);
  }

  static GatewayCall put(String path, ObjectNode body) {
    return new GatewayCall("PUT", path, body);
  }
}
