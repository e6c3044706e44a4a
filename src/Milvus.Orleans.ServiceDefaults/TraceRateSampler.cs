using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Starts at most <c>perSecond</c> new traces a second (a bucket of one second's worth, refilled as time passes), so
/// every request is traced while traffic is light and a busy service records a steady sample instead of spending its
/// cores, and the dashboard's, on a span for every call. Used under <see cref="ParentBasedSampler"/>: spans of a
/// trace follow its root's decision, across processes.
/// </summary>
internal sealed class TraceRateSampler : Sampler
{
    private readonly Lock _lock = new();
    private readonly double _perSecond;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _refilled;

    public TraceRateSampler(int perSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentNullException.ThrowIfNull(time);
        _perSecond = perSecond;
        _time = time;
        _tokens = perSecond;
        _refilled = time.GetTimestamp();
        Description = $"TraceRateSampler{{{perSecond}/s}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_perSecond, _tokens + (_time.GetElapsedTime(_refilled, now).TotalSeconds * _perSecond));
            _refilled = now;
            if (_tokens < 1)
            {
                return new SamplingResult(SamplingDecision.Drop);
            }

            _tokens--;
            return new SamplingResult(SamplingDecision.RecordAndSample);
        }
    }
}
