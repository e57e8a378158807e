package dev.turbo4j.core.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuVendorTest {
    @Test
    void readsTheVendorIdLine() {
        String intel = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
        String amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n";
        assertThat(CpuVendor.parse(intel)).isEqualTo(CpuVendor.INTEL);
        assertThat(CpuVendor.parse(amd)).isEqualTo(CpuVendor.AMD);
    }

    @Test
    void anUnknownOrMissingVendorIsOther() {
        assertThat(CpuVendor.parse("vendor_id\t: HygonGenuine\n")).isEqualTo(CpuVendor.OTHER);
        assertThat(CpuVendor.parse("processor\t: 0\nmodel name\t: ARMv8\n")).isEqualTo(CpuVendor.OTHER);
        assertThat(CpuVendor.parse("")).isEqualTo(CpuVendor.OTHER);
    }
}
