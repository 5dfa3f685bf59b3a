#include "mqtt_bus.hpp"

NATTER_PLUGIN(pubsub, natter::pubsub::MqttBus, "mqtt", "0.1.0",
              "MQTT pub/sub between nodes through a broker such as Mosquitto (QoS 1, a persistent session per node)",
              natter::pubsub::MqttBus::keys())
