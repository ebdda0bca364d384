package hep

import (
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/cutover/cutover/monitor"
)

// The parse stage: the readers (the UDP socket, each TCP connection) hand
// packets over in jobs (a UDP job is what one recvmmsg returned); several
// goroutines decode HEP and parse SIP, one job each at a time; one goroutine
// takes the jobs in the order they were read, forwards and publishes what
// they hold. So parsing runs on every core while the pipeline gets the
// messages in arrival order, as from one parser.

// parsers is how many goroutines decode and parse at once: one a core, at
// most 4 (the fold, SQLite and the socket need cores too).
func parsers() int { return max(1, min(runtime.GOMAXPROCS(0), 4)) }

// workQueue and maxQueuedBytes bound the packets read but not yet
// published (typical HEP packets are about 1 KiB; 64 KiB ones hit the byte
// bound). A packet beyond them is dropped (counted).
const (
	workQueue      = 16384
	maxQueuedBytes = 64 << 20
)

// jobSlack is room for the jobs of readers that passed add's bound at
// the same moment.
const jobSlack = 256

// packet is one HEP packet read from a socket, owned by the parse stage.
type packet struct {
	b    []byte
	via  string
	peer netip.AddrPort // the socket's sender: the HEP header's source is only a claim
}

// job is packets read together, parsed by one goroutine.
type job struct {
	pks   []packet
	bytes int64
	evs   []monitor.Event // what the packets carry, in their order
	fwd   [][]byte        // the packets to relay ([hep] forward), in their order
	done  chan struct{}   // closed once parsed
}

// parseStage joins the readers, the parsers and the publisher.
type parseStage struct {
	mu      sync.Mutex // enqueuers put a job on both channels in one order
	jobs    chan *job  // to the parsers
	order   chan *job  // to the publisher, in the order read
	wg      sync.WaitGroup
	drained chan struct{}
	room    chan struct{} // a job published: room in the queue again
}

// startParse starts the parsers and the publisher.
func (c *Collector) startParse(publish func(monitor.Event) bool) *parseStage {
	s := &parseStage{jobs: make(chan *job, workQueue+jobSlack), order: make(chan *job, workQueue+jobSlack), drained: make(chan struct{}),
		room: make(chan struct{}, 1)}
	n := c.nParsers
	if n <= 0 {
		n = parsers()
	}
	for range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for j := range s.jobs {
				c.parseJob(j)
			}
		}()
	}
	go func() {
		defer close(s.drained)
		for j := range s.order {
			<-j.done
			for _, b := range j.fwd {
				c.fwd.offer(b) // accepted: downstream gets it as it came (never changed)
			}
			for _, ev := range j.evs {
				if !publish(ev) {
					c.dropped.Add(1)
				}
			}
			c.queued.Add(-j.bytes)
			c.queuedPkts.Add(-int64(len(j.pks)))
			select {
			case s.room <- struct{}{}: // a TCP reader waiting for room may look again
			default:
			}
		}
	}()
	return s
}

// stop waits until every job handed over is parsed and published.
func (s *parseStage) stop() {
	s.mu.Lock()
	close(s.jobs)
	close(s.order)
	s.mu.Unlock()
	s.wg.Wait()
	<-s.drained
}

func (c *Collector) parseJob(j *job) {
	collect := func(ev monitor.Event) bool {
		j.evs = append(j.evs, ev)
		return true // the publisher counts what the pipeline refuses
	}
	for _, pk := range j.pks {
		if c.handle(pk, collect) && c.fwd != nil {
			j.fwd = append(j.fwd, pk.b)
		}
	}
	close(j.done)
}

// newJob is an empty job for up to n packets.
func (c *Collector) newJob(n int) *job {
	return &job{pks: make([]packet, 0, n), done: make(chan struct{})}
}

// full: b would pass the queue's bounds.
func (c *Collector) full(b []byte) bool {
	return c.queued.Load()+int64(len(b)) > maxQueuedBytes || c.queuedPkts.Load() >= workQueue
}

// add copies b into the job, or counts it dropped when the queue is full.
func (c *Collector) add(j *job, b []byte, via string, peer netip.AddrPort) {
	if c.full(b) {
		c.packets.Add(1)
		c.countBad(&c.queueDropped, "HEP parse queue full: packet dropped", "via", via, "peer", peer)
		return
	}
	c.take(j, b, via, peer)
}

// take copies b into the job and counts it queued.
func (c *Collector) take(j *job, b []byte, via string, peer netip.AddrPort) {
	c.queued.Add(int64(len(b)))
	c.queuedPkts.Add(1)
	j.bytes += int64(len(b))
	j.pks = append(j.pks, packet{b: append([]byte(nil), b...), via: via, peer: peer})
}

// submit hands a job to the parsers and the publisher. It never blocks:
// the bounds in add keep fewer than workQueue jobs in flight.
func (c *Collector) submit(j *job) {
	if len(j.pks) == 0 {
		return
	}
	s := c.parse
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order <- j
	s.jobs <- j
}

// enqueue hands one packet of a TCP stream to the parse stage. Unlike a
// datagram, it waits for room in a full queue rather than being dropped:
// meanwhile the stream is not read, its TCP window fills, and the sender
// slows down. The publisher never blocks, so room comes.
func (c *Collector) enqueue(b []byte, via string, peer netip.AddrPort) {
	for c.full(b) {
		select {
		case <-c.parse.room:
		case <-time.After(10 * time.Millisecond): // another reader took the signal
		}
	}
	j := c.newJob(1)
	c.take(j, b, via, peer) // past the bound by at most a packet a reader: jobSlack is their room
	c.submit(j)
}
