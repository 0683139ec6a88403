package com.hushryd.users;

/** Someone to alert when the user triggers an SOS. */
public record EmergencyContact(String name, String phone, String email, String relationship) {
}
