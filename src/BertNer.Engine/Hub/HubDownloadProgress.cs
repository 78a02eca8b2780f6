namespace BertNer.Hub;

/// <summary>How far the download of one file has got; reported a few times a second and once when the file is complete.</summary>
/// <param name="Model">The model and revision, e.g. <c>dslim/bert-base-NER@main</c>.</param>
/// <param name="File">The file in the repository, e.g. <c>model.safetensors</c>.</param>
/// <param name="BytesDone">Bytes on disk so far, including any resumed from an earlier attempt.</param>
/// <param name="TotalBytes">The file's size when the hub told it.</param>
/// <param name="BytesPerSecond">The rate of this attempt so far.</param>
/// <param name="Remaining">Estimated time left, when the size and a rate are known.</param>
/// <param name="Completed">True on the last report for the file.</param>
public sealed record HubDownloadProgress(
    string Model, string File, long BytesDone, long? TotalBytes, double BytesPerSecond, TimeSpan? Remaining, bool Completed)
{
    /// <summary>0–100, or null when the size is unknown.</summary>
    public int? PercentComplete => TotalBytes is long t && t > 0 ? (int)Math.Clamp(BytesDone * 100 / t, 0, 100) : null;
}
