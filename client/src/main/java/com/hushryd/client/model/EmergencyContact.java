package com.hushryd.client.model;

/** Someone an SOS notifies: phone in E.164 (e.g. +919812345678); email and relationship optional. */
public record EmergencyContact(String name, String phone, String email, String relationship) {
}
