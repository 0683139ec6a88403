/** The API's resources as the SDK returns them (a subset of each JSON object's fields; unknown fields are ignored). */
package com.hushryd.client.model;
