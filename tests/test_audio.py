"""Hardened audio reading: every unusable file raises a typed error that names it."""
import struct

import numpy as np
import pytest
import soundfile as sf

from aadbench.audio import (
    AudioError,
    ChannelError,
    EmptyAudioError,
    LfsPointerError,
    NonFiniteAudioError,
    NotAudioError,
    TruncatedAudioError,
    probe_audio,
    read_audio,
)


def noise(frames, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    shape = (frames,) if channels == 1 else (frames, channels)
    return (0.1 * rng.standard_normal(shape)).astype(np.float32)


@pytest.fixture
def mimii_file(tmp_path):
    """An 8-channel 16-bit file with a WAVE_FORMAT_EXTENSIBLE header, like MIMII's."""
    path = tmp_path / "00000000.wav"
    sf.write(path, noise(3200, 8), 16000, subtype="PCM_16", format="WAVEX")
    return path


def test_mimii_header_is_wave_format_extensible(mimii_file):
    head = mimii_file.read_bytes()[:40]
    assert head[:4] == b"RIFF" and head[8:16] == b"WAVEfmt "
    assert struct.unpack("<H", head[20:22])[0] == 0xFFFE


def test_reads_channel_zero_of_eight(mimii_file):
    audio = read_audio(mimii_file)
    full, _ = sf.read(mimii_file, dtype="float32")
    assert audio.wave.dtype == np.float32 and audio.wave.shape == (3200,)
    np.testing.assert_array_equal(audio.wave, full[:, 0])
    assert (audio.native_rate, audio.channels, audio.frames, audio.resampled) == (16000, 8, 3200, False)
    assert audio.duration == pytest.approx(0.2)
    np.testing.assert_allclose(read_audio(mimii_file, channel="mean").wave, full.mean(axis=1), atol=1e-6)
    np.testing.assert_array_equal(read_audio(mimii_file, channel=3).wave, full[:, 3])


def test_channel_out_of_range_names_file_and_channel_count(mimii_file):
    with pytest.raises(ChannelError, match="8 channel") as info:
        read_audio(mimii_file, channel=8)
    assert mimii_file.name in str(info.value) and isinstance(info.value, AudioError)
    with pytest.raises(ValueError, match="'mean'"):
        read_audio(mimii_file, channel="left")


def test_resamples_44k_file(tmp_path):
    path = tmp_path / "cd.wav"
    t = np.arange(22050) / 44100
    sf.write(path, (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 44100)
    audio = read_audio(path)
    assert audio.resampled and audio.native_rate == 44100 and audio.sample_rate == 16000
    assert audio.wave.shape == (8000,) and audio.wave.dtype == np.float32
    native = read_audio(path, sample_rate=None)
    assert not native.resampled and native.wave.shape == (22050,)


def test_truncated_wav_is_rejected_although_soundfile_reads_it(tmp_path):
    path = tmp_path / "cut.wav"
    sf.write(path, noise(16000), 16000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert len(sf.read(path)[0]) < 16000  # soundfile says nothing
    for call in (read_audio, probe_audio):
        with pytest.raises(TruncatedAudioError, match="declares 32000 bytes") as info:
            call(path)
        assert "cut.wav" in str(info.value) and "download" in str(info.value)
        assert info.value.path == str(path) and info.value.kind == "truncated"


def test_wav_cut_inside_its_header(tmp_path):
    path = tmp_path / "stub.wav"
    sf.write(path, noise(1600), 16000)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(TruncatedAudioError, match="stub.wav"):
        read_audio(path)


def test_lfs_pointer(tmp_path):
    path = tmp_path / "lfs.wav"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1280044\n")
    with pytest.raises(LfsPointerError, match="git lfs pull") as info:
        probe_audio(path)
    assert "lfs.wav" in str(info.value) and "1280044" in str(info.value)


def test_empty_file_and_zero_frames(tmp_path):
    empty, silent = tmp_path / "empty.wav", tmp_path / "noframes.wav"
    empty.write_bytes(b"")
    sf.write(silent, np.zeros(0, np.float32), 16000)
    for path in (empty, silent):
        for call in (read_audio, probe_audio):
            with pytest.raises(EmptyAudioError, match=path.name):
                call(path)


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "readme.wav"
    path.write_text("<html>404 not found</html>")
    with pytest.raises(NotAudioError, match="readme.wav") as info:
        read_audio(path)
    message = str(info.value)
    assert "an HTML page" in message and "not a renamed text" in message
    assert "404" not in message and "<html>" not in message, "no byte of a non-audio file reaches a message"
    with pytest.raises(NotAudioError):
        probe_audio(path)


def test_nan_samples(tmp_path):
    path = tmp_path / "nan.wav"
    wave = noise(1600)
    wave[100] = np.nan
    sf.write(path, wave, 16000, subtype="FLOAT")
    with pytest.raises(NonFiniteAudioError, match="1 of 1600 samples") as info:
        read_audio(path)
    assert "nan.wav" in str(info.value)
    with pytest.raises(NonFiniteAudioError, match="nan.wav"):
        probe_audio(path)
    assert probe_audio(path, scan_float=False)["subtype"] == "FLOAT"


def test_probe_reads_header_facts(mimii_file):
    info = probe_audio(mimii_file)
    assert info == {"sample_rate": 16000, "channels": 8, "frames": 3200, "duration": pytest.approx(0.2),
                    "format": "WAVEX", "subtype": "PCM_16"}


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.wav"):
        read_audio(tmp_path / "gone.wav")


def test_entries_that_are_not_readable_files_get_typed_errors(tmp_path, monkeypatch):
    from aadbench import audio

    folder = tmp_path / "folder.wav"
    folder.mkdir()
    dangling = tmp_path / "dangling.wav"
    dangling.symlink_to(tmp_path / "nowhere.wav")
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    for path, error, words in ((folder, audio.NotAFileError, "it is a folder"),
                               (dangling, audio.BrokenLinkError, "nowhere.wav"),
                               (loop, audio.BrokenLinkError, "loop")):
        for reader in (read_audio, probe_audio):
            with pytest.raises(error, match=words) as info:
                reader(path)
            assert info.value.kind in ("not-a-file", "broken-link") and str(path) in str(info.value)
    locked = tmp_path / "locked.wav"
    sf.write(locked, np.zeros(1600, np.float32), 16000)

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(audio, "open_audio_file", denied)
    with pytest.raises(audio.UnreadableError, match="permission denied") as info:
        read_audio(locked)
    assert info.value.kind == "unreadable" and "chmod" in str(info.value)


def test_an_lfs_pointer_message_carries_only_the_announced_size(tmp_path):
    path = tmp_path / "p.wav"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345 <script>\n")
    with pytest.raises(LfsPointerError) as info:
        read_audio(path)
    assert "<script>" not in str(info.value) and "never fetched" in str(info.value)
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n")
    with pytest.raises(LfsPointerError, match="has 12345 bytes"):
        read_audio(path)
