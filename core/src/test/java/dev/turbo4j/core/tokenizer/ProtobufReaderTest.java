package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProtobufReaderTest {

    @Test
    void readsVarintsStringsAndNestedMessages() {
        // field 1 varint 300, field 2 string "hi", field 3 message {field 1 varint 1}
        byte[] bytes = {0x08, (byte) 0xAC, 0x02, 0x12, 0x02, 'h', 'i', 0x1A, 0x02, 0x08, 0x01};
        ProtobufReader reader = new ProtobufReader(bytes);
        assertThat(ProtobufReader.fieldNumber(reader.readTag())).isEqualTo(1);
        assertThat(reader.readVarint()).isEqualTo(300);
        assertThat(ProtobufReader.fieldNumber(reader.readTag())).isEqualTo(2);
        assertThat(reader.readString()).isEqualTo("hi");
        int tag = reader.readTag();
        assertThat(ProtobufReader.wireType(tag)).isEqualTo(ProtobufReader.LENGTH_DELIMITED);
        ProtobufReader nested = reader.readMessage();
        assertThat(nested.readTag()).isEqualTo(0x08);
        assertThat(nested.readBool()).isTrue();
        assertThat(nested.hasMore()).isFalse();
        assertThat(reader.hasMore()).isFalse();
    }

    @Test
    void reportsTruncation() {
        ProtobufReader reader = new ProtobufReader(new byte[] {0x12, 0x05, 'h', 'i'});
        reader.readTag();
        assertThatThrownBy(reader::readString)
                .isInstanceOf(ProtobufReader.MalformedException.class)
                .hasMessageContaining("truncated");
    }
}
