package dev.turbo4j.core.tokenizer;

import java.util.List;

/**
 * A tokenizer.json post-processor, reduced to what it does to the ids of a single sequence
 * when special tokens are requested (e.g. BOS prepended).
 */
sealed interface PostProcessor {

    int[] process(int[] ids);

    /** The special token ids it puts first, or an empty array; used to find the BOS id. */
    int[] leadingSpecialIds();

    /** A template: special tokens around the sequence, e.g. {@code <s> $A}. */
    record Template(List<Item> single) implements PostProcessor {
        /** One template element: the sequence itself ({@code ids == null}) or special token ids. */
        public record Item(int[] ids) {
            static final Item SEQUENCE = new Item(null);
        }

        @Override
        public int[] process(int[] ids) {
            IntList out = new IntList(ids.length + 4);
            for (Item item : single) {
                out.addAll(item.ids() == null ? ids : item.ids());
            }
            return out.toArray();
        }

        @Override
        public int[] leadingSpecialIds() {
            return single.isEmpty() || single.getFirst().ids() == null ? new int[0] : single.getFirst().ids();
        }
    }

    /** BERT/RoBERTa style: {@code cls $A sep}. */
    record Surround(int clsId, int sepId) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            int[] out = new int[ids.length + 2];
            out[0] = clsId;
            System.arraycopy(ids, 0, out, 1, ids.length);
            out[out.length - 1] = sepId;
            return out;
        }

        @Override
        public int[] leadingSpecialIds() {
            return new int[] {clsId};
        }
    }

    /** Changes offsets only (ByteLevel): the ids stay as they are. */
    record Identity() implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            return ids;
        }

        @Override
        public int[] leadingSpecialIds() {
            return new int[0];
        }
    }

    record Sequence(List<PostProcessor> processors) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            for (PostProcessor processor : processors) {
                ids = processor.process(ids);
            }
            return ids;
        }

        @Override
        public int[] leadingSpecialIds() {
            for (PostProcessor processor : processors.reversed()) {
                int[] leading = processor.leadingSpecialIds();
                if (leading.length > 0) {
                    return leading;
                }
            }
            return new int[0];
        }
    }
}
