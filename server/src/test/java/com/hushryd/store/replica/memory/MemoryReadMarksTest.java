package com.hushryd.store.replica.memory;

import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.ReadMarksContract;

class MemoryReadMarksTest extends ReadMarksContract {
    @Override
    protected ReadMarks create() {
        return new MemoryReadMarks(TTL, 1000);
    }
}
