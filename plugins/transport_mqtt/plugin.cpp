#include "mqtt_transport.hpp"

NATTER_PLUGIN(transport, natter::mqtt::MqttTransport, "mqtt", "0.1.0",
              "MQTT devices in natter's rooms, through a Mosquitto broker that terminates them",
              natter::mqtt::MqttTransport::keys())
