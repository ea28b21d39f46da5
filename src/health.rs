//! gRPC health checking that lets the server stop.
//!
//! tonic-health's `Watch` streams stay open until the client goes away, and a graceful stop
//! waits for every open stream: one idle watcher held shutdown for the whole grace period.
//! Here `Check` is tonic-health's, and every `Watch` stream ends right after it has delivered
//! the NOT_SERVING the stop sets, so a watcher sees the status change and then the end.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::watch;
use tokio_stream::wrappers::WatchStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tonic_health::server::{HealthReporter, HealthService};

/// The health service and the switch that ends its watch streams.
#[derive(Debug)]
pub struct StoppingHealth {
    inner: HealthService,
    stopping: watch::Receiver<bool>,
}

/// The service to add to the router, and the sender to set to `true` once the stop's statuses
/// are set.
pub fn health_service(
    reporter: &HealthReporter,
) -> (HealthServer<StoppingHealth>, watch::Sender<bool>) {
    let (tx, rx) = watch::channel(false);
    let svc = StoppingHealth {
        inner: HealthService::from_health_reporter(reporter.clone()),
        stopping: rx,
    };
    (HealthServer::new(svc), tx)
}

#[tonic::async_trait]
impl Health for StoppingHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        self.inner.check(request).await
    }

    type WatchStream = UntilStop<<HealthService as Health>::WatchStream>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let inner = self.inner.watch(request).await?.into_inner();
        Ok(Response::new(UntilStop {
            inner,
            stop: WatchStream::new(self.stopping.clone()),
            stopped: *self.stopping.borrow(),
        }))
    }
}

/// A stream that ends once `stop` turns true, after yielding what `inner` has ready then.
#[derive(Debug)]
pub struct UntilStop<S> {
    inner: S,
    stop: WatchStream<bool>,
    stopped: bool,
}

impl<S: Stream + Unpin> Stream for UntilStop<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        loop {
            if this.stopped {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.stop).poll_next(cx) {
                Poll::Ready(Some(true)) | Poll::Ready(None) => {
                    this.stopped = true;
                    // The statuses were set before the switch: deliver what is ready.
                    if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
                        return Poll::Ready(item);
                    }
                }
                Poll::Ready(Some(false)) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
